// libcap glue for ProcessSetup. Raw syscalls rather than libcap's cap_t API: the caller is a
// forked single-threaded child about to exec, so nothing here allocates.
#define _GNU_SOURCE
#include "sr_caps.h"
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_RAISE 2
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

/* Both are read with one prctl per capability (~40 syscalls a scan) and asked for several
   times on the create path: remember them. The last capability never changes; the bounding
   set only shrinks through sr_capbset_drop, which forgets the cached copy. A forked child
   inherits the cache together with the bounding set it describes. */
static int cached_last = -1;
static uint64_t cached_bset;
static int bset_valid;

int sr_cap_last_cap(void) {
    if (cached_last >= 0) return cached_last;
    int last = -1;
    for (int c = 0; c < 64; c++) {
        if (prctl(PR_CAPBSET_READ, (unsigned long)c, 0, 0, 0) < 0) break;
        last = c;
    }
    if (last < 0) { errno = EINVAL; return -1; }
    cached_last = last;
    return last;
}

int sr_capbset_get(uint64_t *mask_out) {
    if (bset_valid) { *mask_out = cached_bset; return 0; }
    uint64_t m = 0;
    for (int c = 0; c < 64; c++) {
        int r = prctl(PR_CAPBSET_READ, (unsigned long)c, 0, 0, 0);
        if (r < 0) {
            if (errno == EINVAL) break;
            return -1;
        }
        if (r == 1) m |= (uint64_t)1 << c;
    }
    cached_bset = m;
    bset_valid = 1;
    *mask_out = m;
    return 0;
}

int sr_capbset_drop(int cap) {
    bset_valid = 0;
    return prctl(PR_CAPBSET_DROP, (unsigned long)cap, 0, 0, 0);
}

int sr_capget_self(uint64_t *eff, uint64_t *prm, uint64_t *inh) {
    struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct d[2];
    memset(d, 0, sizeof d);
    if (syscall(SYS_capget, &hdr, d) < 0) return -1;
    *eff = (uint64_t)d[0].effective | ((uint64_t)d[1].effective << 32);
    *prm = (uint64_t)d[0].permitted | ((uint64_t)d[1].permitted << 32);
    *inh = (uint64_t)d[0].inheritable | ((uint64_t)d[1].inheritable << 32);
    return 0;
}

int sr_capset_self(uint64_t eff, uint64_t prm, uint64_t inh) {
    struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct d[2];
    d[0].effective = (uint32_t)eff;   d[1].effective = (uint32_t)(eff >> 32);
    d[0].permitted = (uint32_t)prm;   d[1].permitted = (uint32_t)(prm >> 32);
    d[0].inheritable = (uint32_t)inh; d[1].inheritable = (uint32_t)(inh >> 32);
    return (int)syscall(SYS_capset, &hdr, d);
}

int sr_cap_ambient_clear(void) { return prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0); }
int sr_cap_ambient_raise(int cap) {
    return prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, (unsigned long)cap, 0, 0);
}

int sr_set_keepcaps(int on) { return prctl(PR_SET_KEEPCAPS, on ? 1UL : 0UL, 0, 0, 0); }
int sr_set_no_new_privs(void) { return prctl(PR_SET_NO_NEW_PRIVS, 1UL, 0, 0, 0); }

/* glibc's wrappers: they also cover a multi-threaded caller (setxid broadcast). */
int sr_setresuid_all(uid_t uid) { return setresuid(uid, uid, uid); }
int sr_setresgid_all(gid_t gid) { return setresgid(gid, gid, gid); }

int sr_prlimit_set(pid_t pid, int resource, uint64_t soft, uint64_t hard) {
    struct rlimit64 r = { soft, hard };
    return (int)syscall(SYS_prlimit64, pid, resource, &r, NULL);
}
int sr_prlimit_get(pid_t pid, int resource, uint64_t *soft, uint64_t *hard) {
    struct rlimit64 r;
    if (syscall(SYS_prlimit64, pid, resource, NULL, &r) < 0) return -1;
    *soft = r.rlim_cur;
    *hard = r.rlim_max;
    return 0;
}

int sr_sched_setaffinity_mask(pid_t pid, const uint64_t *words, size_t nwords) {
    return (int)syscall(SYS_sched_setaffinity, pid, nwords * sizeof(uint64_t), words);
}
