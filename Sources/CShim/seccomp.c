// libseccomp glue (owned by Seccomp). See include/sr_seccomp.h.
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "sr_seccomp.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

static long sr_seccomp_sys(unsigned int op, unsigned int flags, void *arg) {
    return syscall(SYS_seccomp, op, flags, arg);
}

unsigned int sr_seccomp_kernel_flags(void) {
    static const unsigned int probes[] = {
        SECCOMP_FILTER_FLAG_TSYNC,
        SECCOMP_FILTER_FLAG_LOG,
        SECCOMP_FILTER_FLAG_SPEC_ALLOW,
        SECCOMP_FILTER_FLAG_NEW_LISTENER,
        SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
    };
    unsigned int ok = 0;
    int saved = errno;
    for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++) {
        if (sr_seccomp_sys(SECCOMP_SET_MODE_FILTER, probes[i], NULL) < 0 && errno == EFAULT)
            ok |= probes[i];
    }
    errno = saved;
    return ok;
}

int sr_seccomp_action_avail(uint32_t action) {
    uint32_t a = action & 0xffff0000U;
    int saved = errno;
    int r = sr_seccomp_sys(SECCOMP_GET_ACTION_AVAIL, 0, &a) == 0;
    errno = saved;
    return r;
}

int sr_seccomp_export(scmp_filter_ctx ctx, void **out, size_t *len) {
    *out = NULL;
    *len = 0;
    int fd = memfd_create("swiftrun-seccomp-bpf", MFD_CLOEXEC);
    if (fd < 0) return -errno;
    int rc = seccomp_export_bpf(ctx, fd);
    if (rc < 0) { close(fd); return rc; }
    off_t size = lseek(fd, 0, SEEK_END);
    if (size <= 0 || size % sizeof(struct sock_filter) != 0) { close(fd); return -EINVAL; }
    char *buf = malloc((size_t)size);
    if (!buf) { close(fd); return -ENOMEM; }
    size_t got = 0;
    while (got < (size_t)size) {
        ssize_t n = pread(fd, buf + got, (size_t)size - got, (off_t)got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) { int e = n < 0 ? errno : EIO; free(buf); close(fd); return -e; }
        got += (size_t)n;
    }
    close(fd);
    *out = buf;
    *len = got;
    return 0;
}

int sr_seccomp_load_bpf(const void *prog, size_t len, unsigned int flags) {
    if (len == 0 || len % sizeof(struct sock_filter) != 0 || len / sizeof(struct sock_filter) > 0xffff)
        return -EINVAL;
    struct sock_fprog fprog = {
        .len = (unsigned short)(len / sizeof(struct sock_filter)),
        .filter = (struct sock_filter *)prog,
    };
    long r = sr_seccomp_sys(SECCOMP_SET_MODE_FILTER, flags, &fprog);
    if (r < 0) return -errno;
    return (int)r;
}

#define SR_AUDIT_ARCH_X86_64 0xc000003eU
#define SR_X32_BIT 0x40000000U

int sr_seccomp_prepend_enosys(void **prog, size_t *len, const struct sr_enosys_arch *arches, int n) {
    if (n < 0 || n > 16 || *len % sizeof(struct sock_filter) != 0) return -EINVAL;
    /* at most 1 + 5 per arch + 2 instructions: every jump stays below 255 */
    struct sock_filter st[1 + 5 * 16 + 2];
    int fix_enosys[64], fix_filter[64], nfe = 0, nff = 0;   /* (index << 1) | (0: jt, 1: jf) */
    int m = 0;
    st[m++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 4);   /* arch */
    for (int i = 0; i < n; i++) {
        const struct sr_enosys_arch *a = &arches[i];
        int x86 = a->audit_arch == SR_AUDIT_ARCH_X86_64;
        int size = x86 ? 5 : 3;   /* jeq, ld nr, [jset,] jgt [, jgt] */
        st[m++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, a->audit_arch, 0, (unsigned char)(size - 1));
        st[m++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0);   /* nr */
        if (x86) st[m++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, SR_X32_BIT, 1, 0);
        st[m] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, a->max_nr, 0, 0);
        fix_enosys[nfe++] = m << 1; fix_filter[nff++] = (m << 1) | 1; m++;
        if (x86) {
            st[m] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, a->max_x32_nr, 0, 0);
            fix_enosys[nfe++] = m << 1; fix_filter[nff++] = (m << 1) | 1; m++;
        }
    }
    st[m] = (struct sock_filter)BPF_STMT(BPF_JMP | BPF_JA, 1);                /* other arch */
    m++;
    int enosys = m;
    st[m++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA));
    int filter = m;
    for (int k = 0; k < nfe; k++) {
        int at = fix_enosys[k] >> 1;
        st[at].jt = (unsigned char)(enosys - at - 1);
    }
    for (int k = 0; k < nff; k++) {
        int at = fix_filter[k] >> 1;
        st[at].jf = (unsigned char)(filter - at - 1);
    }
    size_t add = (size_t)m * sizeof(struct sock_filter);
    if ((*len + add) / sizeof(struct sock_filter) > 4096) return -E2BIG;   /* BPF_MAXINSNS */
    char *out = malloc(*len + add);
    if (!out) return -ENOMEM;
    memcpy(out, st, add);
    memcpy(out + add, *prog, *len);
    free(*prog);
    *prog = out;
    *len += add;
    return 0;
}

int sr_seccomp_send_fd(const char *path, int fd, const void *buf, size_t len, const char **step) {
    struct sockaddr_un addr;
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    size_t plen = strlen(path);
    if (plen == 0 || plen >= sizeof addr.sun_path) { *step = "socket path length"; return -ENAMETOOLONG; }
    memcpy(addr.sun_path, path, plen);

    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0) { *step = "socket"; return -errno; }
    int r;
    do r = connect(s, (struct sockaddr *)&addr, sizeof addr); while (r < 0 && errno == EINTR);
    if (r < 0) { int e = errno; close(s); *step = "connect"; return -e; }

    /* First sendmsg: as much of buf as the kernel takes, plus the fd. */
    union { char b[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } ctl;
    memset(&ctl, 0, sizeof ctl);
    struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
    struct msghdr msg = { 0 };
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = ctl.b;
    msg.msg_controllen = sizeof ctl.b;
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof(int));
    ssize_t n;
    do n = sendmsg(s, &msg, MSG_NOSIGNAL); while (n < 0 && errno == EINTR);
    if (n < 0) { int e = errno; close(s); *step = "sendmsg"; return -e; }

    /* The rest, without fds (runtime-spec: fds only in the first call). */
    size_t off = (size_t)n;
    while (off < len) {
        n = send(s, (const char *)buf + off, len - off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) { int e = errno; close(s); *step = "send"; return -e; }
        off += (size_t)n;
    }
    if (close(s) < 0 && errno != EINTR) { *step = "close"; return -errno; }
    return 0;
}
