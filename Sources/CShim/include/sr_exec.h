// CVE-2019-5736: the container's program must never be exec'd by a process whose
// /proc/self/exe is the host's swiftrun binary (a "#!/proc/self/exe" entrypoint would
// run — and could later overwrite — the host binary). The init instead execs a tiny
// trampoline from a sealed memfd, which execs the program: /proc/self/exe is then the
// sealed, unwritable memfd. Costs one memfd (158 bytes) and one extra execve of a
// static, libc-free ELF, instead of copying the whole runtime binary as runc does.
#ifndef SR_EXEC_H
#define SR_EXEC_H

/* A sealed, executable memfd holding the trampoline (x86_64 only), or -1 with errno
   (ENOSYS on other architectures: the caller then execs directly). */
int sr_trampoline_fd(void);
/* execveat(fd, "", {"swiftrun-exec", path, argv...}, envp, AT_EMPTY_PATH): returns only on
   error. The trampoline exits 127 if its own execve of `path` fails. */
int sr_exec_via_trampoline(int fd, const char *path, char *const argv[], char *const envp[]);
#endif
