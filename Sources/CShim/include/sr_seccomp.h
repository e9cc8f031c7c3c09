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

/* Connect to the AF_UNIX SOCK_STREAM socket at path and send buf with fd attached (SCM_RIGHTS)
 * to the first sendmsg; the rest of buf, if any, goes out in further sends without fds. The
 * connection is closed before returning. On failure *step names what failed
 * ("socket", "connect", "sendmsg", ...). */
int sr_seccomp_send_fd(const char *path, int fd, const void *buf, size_t len, const char **step);

#endif
