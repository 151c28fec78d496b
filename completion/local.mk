## completion/: bash completion for vsctool (installed where bash-completion
## loads it on demand; configure --with-bash-completion-dir).
EXTRA_DIST += completion/vsctool
if INSTALL_BASH_COMPLETION
bashcompletion_DATA = completion/vsctool
endif
