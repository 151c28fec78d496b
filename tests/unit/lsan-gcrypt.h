/* lsan-gcrypt.h - for unit tests that make keys with libgcrypt: its
 * 128 KiB entropy pool lives from the first key generation until exit
 * (not freed, by design; not a leak of ours). This tells LeakSanitizer,
 * which runs only in --enable-sanitizers builds (elsewhere the function
 * is never called). Include it once per test program. */
#ifndef VSC_LSAN_GCRYPT_H
#define VSC_LSAN_GCRYPT_H

const char *__lsan_default_suppressions (void);
const char *
__lsan_default_suppressions (void)
{
  return "leak:libgcrypt.so\n";
}

#endif /* VSC_LSAN_GCRYPT_H */
