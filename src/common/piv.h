/* piv.h - PIV facts (NIST SP 800-73-4) that the agency, the mapping and
 * the emulator share. */
#ifndef VSC_PIV_H
#define VSC_PIV_H

/* The certificate object of key reference REF (SP 800-73-4 part 1,
 * table 3: 9A, 9C, 9D, 9E and the retired 82..95), 0 for any other. */
unsigned piv_cert_tag (unsigned ref);

#endif /* VSC_PIV_H */
