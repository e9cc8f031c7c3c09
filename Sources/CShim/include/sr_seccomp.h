// libseccomp glue (owned by Seccomp). libseccomp's own API (seccomp_init, seccomp_rule_add_array,
// seccomp_attr_set, seccomp_load, seccomp_notify_fd, ...) is called from Swift directly; this
// header adds what Swift cannot do: raw seccomp(2), cmsg macros, kernel feature probes.
// Functions return 0 (or an fd) on success and -errno on failure unless noted.
#ifndef SR_SECCOMP_H
#define SR_SECCOMP_H
#include <stddef.h>
#include <stdint.h>
#include <seccomp.h>

/* SECCOMP_FILTER_FLAG_* (linux/seccomp.h) the running kernel accepts, as a bit mask. Probed
 * with seccomp(SECCOMP_SET_MODE_FILTER, flag, NULL): EFAULT means the flag passed validation
 * (nothing can be installed from a NULL program). WAIT_KILLABLE_RECV is probed together with
 * NEW_LISTENER, which the kernel requires for it. Safe in a multithreaded process. */
unsigned int sr_seccomp_kernel_flags(void);

/* seccomp(SECCOMP_GET_ACTION_AVAIL): 1 when the kernel knows the action (low 16 bits ignored). */
int sr_seccomp_action_avail(uint32_t action);

/* Export ctx as a classic BPF program into a malloc'd buffer (*out, *len bytes; free()). Goes
 * through a memfd because libseccomp 2.5 has no seccomp_export_bpf_mem. */
int sr_seccomp_export(scmp_filter_ctx ctx, void **out, size_t *len);

/* Install a BPF program (as exported above) with raw seccomp(2) flags. Returns the listener fd
 * when flags has SECCOMP_FILTER_FLAG_NEW_LISTENER, else 0; -errno on failure. Calls only the
 * seccomp syscall: async-signal-safe. */
int sr_seccomp_load_bpf(const void *prog, size_t len, unsigned int flags);

/* runc's -ENOSYS stub: a syscall numbered above every syscall a profile names, for an
   architecture the filter covers, returns ENOSYS instead of the default action, so a libc
   newer than the profile falls back (clone3, faccessat2, fchmodat2, ...) instead of failing
   with EPERM. One entry per AUDIT_ARCH; on x86_64, x32 calls (bit 30) have their own limit.
   A limit of UINT32_MAX means "no stub" for that mode. */
struct sr_enosys_arch {
    uint32_t audit_arch;
    uint32_t max_nr;       /* highest syscall number the profile names (native ABI) */
    uint32_t max_x32_nr;   /* x86_64 only: the same for x32 numbers (bit 30 set) */
};
/* Prepend the stub to the program in *prog (malloc'ed, *len bytes); 0 or -errno. */
int sr_seccomp_prepend_enosys(void **prog, size_t *len, const struct sr_enosys_arch *arches, int n);

/* Connect to the AF_UNIX SOCK_STREAM socket at path and send buf with fd attached (SCM_RIGHTS)
 * to the first sendmsg; the rest of buf, if any, goes out in further sends without fds. The
 * connection is closed before returning. On failure *step names what failed
 * ("socket", "connect", "sendmsg", ...). */
int sr_seccomp_send_fd(const char *path, int fd, const void *buf, size_t len, const char **step);

#endif
