// libcap glue (owned by ProcessSetup): capability sets, bounding set, ambient set, credential
// switch and the few process-attribute syscalls whose glibc prototypes Swift imports badly.
// All return -1 and set errno on failure unless noted. Capability sets are 64-bit masks
// (bit n = capability number n). Safe to call in a forked single-threaded child: no
// allocation, no NSS, nothing loaded lazily.
#ifndef SR_CAPS_H
#define SR_CAPS_H
#include <sys/capability.h>
#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

/* Highest capability number the running kernel knows (probed with PR_CAPBSET_READ). */
int sr_cap_last_cap(void);
/* Current bounding set as a mask (caps 0..sr_cap_last_cap()). */
int sr_capbset_get(uint64_t *mask_out);
/* PR_CAPBSET_DROP one capability. */
int sr_capbset_drop(int cap);
/* capget/capset (v3) on the calling thread. */
int sr_capget_self(uint64_t *effective, uint64_t *permitted, uint64_t *inheritable);
int sr_capset_self(uint64_t effective, uint64_t permitted, uint64_t inheritable);
/* Ambient set: clear all / raise one / read as a mask. */
int sr_cap_ambient_clear(void);
int sr_cap_ambient_raise(int cap);
/* PR_SET_KEEPCAPS, PR_SET_NO_NEW_PRIVS. */
int sr_set_keepcaps(int on);
int sr_set_no_new_privs(void);
/* setresuid(id,id,id) / setresgid(id,id,id). */
int sr_setresuid_all(uid_t uid);
int sr_setresgid_all(gid_t gid);
/* prlimit(2) on pid (0 = self): set, or read the current limit. */
int sr_prlimit_set(pid_t pid, int resource, uint64_t soft, uint64_t hard);
int sr_prlimit_get(pid_t pid, int resource, uint64_t *soft, uint64_t *hard);
/* sched_setaffinity(2) with a mask of nwords 64-bit words (bit n = CPU n). */
int sr_sched_setaffinity_mask(pid_t pid, const uint64_t *words, size_t nwords);
#endif
