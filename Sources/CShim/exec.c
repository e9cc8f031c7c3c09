#define _GNU_SOURCE
#include "sr_exec.h"
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif

#if defined(__x86_64__)
/* ELF64 header + one PT_LOAD program header + 40 bytes of code:
     mov  rdi, [rsp+16]          ; path = argv[1]
     lea  rsi, [rsp+24]          ; argv = &argv[2]
     mov  rax, [rsp]             ; argc
     lea  rdx, [rsp+rax*8+16]    ; envp = &argv[argc+1]
     mov  eax, 59                ; execve
     syscall
     mov  edi, 127
     mov  eax, 60                ; exit(127)
     syscall                                                             */
static const unsigned char trampoline[] = {
    /* e_ident */ 0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    /* e_type EXEC */ 2, 0, /* e_machine x86_64 */ 0x3e, 0, /* e_version */ 1, 0, 0, 0,
    /* e_entry 0x400078 */ 0x78, 0, 0x40, 0, 0, 0, 0, 0,
    /* e_phoff 64 */ 64, 0, 0, 0, 0, 0, 0, 0,
    /* e_shoff */ 0, 0, 0, 0, 0, 0, 0, 0,
    /* e_flags */ 0, 0, 0, 0,
    /* e_ehsize */ 64, 0, /* e_phentsize */ 56, 0, /* e_phnum */ 1, 0,
    /* e_shentsize, e_shnum, e_shstrndx */ 0, 0, 0, 0, 0, 0,
    /* p_type LOAD */ 1, 0, 0, 0, /* p_flags R|X */ 5, 0, 0, 0,
    /* p_offset */ 0, 0, 0, 0, 0, 0, 0, 0,
    /* p_vaddr */ 0, 0, 0x40, 0, 0, 0, 0, 0,
    /* p_paddr */ 0, 0, 0x40, 0, 0, 0, 0, 0,
    /* p_filesz 160 */ 160, 0, 0, 0, 0, 0, 0, 0,
    /* p_memsz 160 */ 160, 0, 0, 0, 0, 0, 0, 0,
    /* p_align */ 0, 0x10, 0, 0, 0, 0, 0, 0,
    /* code @ 0x78 */
    0x48, 0x8b, 0x7c, 0x24, 0x10,       /* mov rdi,[rsp+16] */
    0x48, 0x8d, 0x74, 0x24, 0x18,       /* lea rsi,[rsp+24] */
    0x48, 0x8b, 0x04, 0x24,             /* mov rax,[rsp] */
    0x48, 0x8d, 0x54, 0xc4, 0x10,       /* lea rdx,[rsp+rax*8+16] */
    0xb8, 0x3b, 0x00, 0x00, 0x00,       /* mov eax,59 */
    0x0f, 0x05,                         /* syscall */
    0xbf, 0x7f, 0x00, 0x00, 0x00,       /* mov edi,127 */
    0xb8, 0x3c, 0x00, 0x00, 0x00,       /* mov eax,60 */
    0x0f, 0x05,                         /* syscall */
    0x90, 0x90,                         /* pad to 160 bytes */
};
_Static_assert(sizeof trampoline == 160, "trampoline size");

int sr_trampoline_fd(void) {
    int fd = (int)syscall(SYS_memfd_create, "swiftrun-exec", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
    if (fd < 0 && errno == EINVAL)
        fd = (int)syscall(SYS_memfd_create, "swiftrun-exec", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0) return -1;
    if (write(fd, trampoline, sizeof trampoline) != (ssize_t)sizeof trampoline ||
        fchmod(fd, 0555) < 0 ||
        fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}
#else
int sr_trampoline_fd(void) { errno = ENOSYS; return -1; }
#endif

int sr_exec_via_trampoline(int fd, const char *path, char *const argv[], char *const envp[]) {
    size_t n = 0;
    while (argv[n]) n++;
    char **v = calloc(n + 3, sizeof(char *));
    if (!v) return -1;
    v[0] = (char *)"swiftrun-exec";
    v[1] = (char *)path;
    for (size_t i = 0; i < n; i++) v[i + 2] = argv[i];
    syscall(SYS_execveat, fd, "", v, envp, AT_EMPTY_PATH);
    int e = errno;
    free(v);
    errno = e;
    return -1;
}
