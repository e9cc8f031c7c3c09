// cgroup v2 device filter (eBPF), after runc's libcontainer/cgroups/devices/ebpf + devicefilter.
#define _GNU_SOURCE
#include "sr_cgroup.h"
#include <errno.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

static int sys_bpf(int cmd, union bpf_attr *attr) {
    return (int)syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

static struct bpf_insn ins(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
    struct bpf_insn i;
    memset(&i, 0, sizeof i);
    i.code = code; i.dst_reg = dst; i.src_reg = src; i.off = off; i.imm = imm;
    return i;
}
#define LDX_W(dst, src, off) ins(BPF_LDX | BPF_MEM | BPF_W, dst, src, off, 0)
#define MOV32_REG(dst, src)  ins(BPF_ALU | BPF_MOV | BPF_X, dst, src, 0, 0)
#define MOV32_IMM(dst, imm)  ins(BPF_ALU | BPF_MOV | BPF_K, dst, 0, 0, imm)
#define AND32_IMM(dst, imm)  ins(BPF_ALU | BPF_AND | BPF_K, dst, 0, 0, imm)
#define RSH32_IMM(dst, imm)  ins(BPF_ALU | BPF_RSH | BPF_K, dst, 0, 0, imm)
#define JNE_IMM(dst, imm, off) ins(BPF_JMP | BPF_JNE | BPF_K, dst, 0, off, imm)
#define JEQ_IMM(dst, imm, off) ins(BPF_JMP | BPF_JEQ | BPF_K, dst, 0, off, imm)
#define JNE_REG(dst, src, off) ins(BPF_JMP | BPF_JNE | BPF_X, dst, src, off, 0)
#define EXIT() ins(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

/* Emits one rule block into out (if non-NULL) and returns its length. */
static int rule_block(const struct sr_dev_rule *r, int default_allow, struct bpf_insn *out) {
    struct bpf_insn b[16];
    int n = 0;
    /* Skip offsets are patched below: each "goto next" jumps past the block end. */
    int jumps[8], nj = 0;
    if (r->type == 'b' || r->type == 'c') {
        jumps[nj++] = n;
        b[n++] = JNE_IMM(2, r->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR, 0);
    }
    uint32_t acc = r->access & 7;
    if (!default_allow) {
        if (acc != 7) { /* request must be a subset: (R3 & acc) == R3 */
            b[n++] = MOV32_REG(1, 3);
            b[n++] = AND32_IMM(1, (int32_t)acc);
            jumps[nj++] = n;
            b[n++] = JNE_REG(1, 3, 0);
        }
    } else { /* deny-list: any overlap denies */
        b[n++] = MOV32_REG(1, 3);
        b[n++] = AND32_IMM(1, (int32_t)acc);
        jumps[nj++] = n;
        b[n++] = JEQ_IMM(1, 0, 0);
    }
    if (r->major >= 0) { jumps[nj++] = n; b[n++] = JNE_IMM(4, (int32_t)r->major, 0); }
    if (r->minor >= 0) { jumps[nj++] = n; b[n++] = JNE_IMM(5, (int32_t)r->minor, 0); }
    b[n++] = MOV32_IMM(0, default_allow ? 0 : 1);
    b[n++] = EXIT();
    for (int j = 0; j < nj; j++) b[jumps[j]].off = (int16_t)(n - jumps[j] - 1);
    if (out) memcpy(out, b, sizeof(struct bpf_insn) * (size_t)n);
    return n;
}

static int query_progs(int cgroup_fd, uint32_t *ids, uint32_t *cnt, uint32_t *flags) {
    union bpf_attr a;
    memset(&a, 0, sizeof a);
    a.query.target_fd = (uint32_t)cgroup_fd;
    a.query.attach_type = BPF_CGROUP_DEVICE;
    a.query.prog_ids = (uint64_t)(uintptr_t)ids;
    a.query.prog_cnt = *cnt;
    if (sys_bpf(BPF_PROG_QUERY, &a) < 0) return -1;
    *cnt = a.query.prog_cnt;
    if (flags) *flags = a.query.attach_flags;
    return 0;
}

int sr_cgroup_device_prog_count(int cgroup_fd) {
    uint32_t ids[64], cnt = 64;
    if (query_progs(cgroup_fd, ids, &cnt, NULL) < 0) return -1;
    return (int)cnt;
}

int sr_cgroup_set_device_filter(int cgroup_fd, const struct sr_dev_rule *rules, int n,
                                int default_allow, const char **step, char *log, uint32_t log_size) {
    static const char *dummy;
    if (!step) step = &dummy;
    int total = 6 + 2;
    for (int i = 0; i < n; i++) total += rule_block(&rules[i], default_allow, NULL);
    struct bpf_insn *p = calloc((size_t)total, sizeof *p);
    if (!p) { *step = "bpf program alloc"; errno = ENOMEM; return -1; }
    int k = 0;
    p[k++] = LDX_W(2, 1, 0);      /* r2 = ctx->access_type */
    p[k++] = AND32_IMM(2, 0xFFFF); /* r2 = device type */
    p[k++] = LDX_W(3, 1, 0);
    p[k++] = RSH32_IMM(3, 16);     /* r3 = access */
    p[k++] = LDX_W(4, 1, 4);       /* r4 = major */
    p[k++] = LDX_W(5, 1, 8);       /* r5 = minor */
    for (int i = 0; i < n; i++) k += rule_block(&rules[i], default_allow, p + k);
    p[k++] = MOV32_IMM(0, default_allow ? 1 : 0);
    p[k++] = EXIT();

    union bpf_attr a;
    memset(&a, 0, sizeof a);
    a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    a.insns = (uint64_t)(uintptr_t)p;
    a.insn_cnt = (uint32_t)k;
    a.license = (uint64_t)(uintptr_t)"Apache";
    int prog = sys_bpf(BPF_PROG_LOAD, &a);
    if (prog < 0 && log && log_size > 0) { /* load again with the verifier log for the message */
        int e = errno;
        log[0] = 0;
        a.log_buf = (uint64_t)(uintptr_t)log;
        a.log_size = log_size;
        a.log_level = 1;
        (void)sys_bpf(BPF_PROG_LOAD, &a);
        errno = e;
    }
    free(p);
    if (prog < 0) { *step = "bpf prog load (BPF_PROG_TYPE_CGROUP_DEVICE)"; return -1; }

    uint32_t old[64], cnt = 64, oflags = 0;
    if (query_progs(cgroup_fd, old, &cnt, &oflags) < 0) { cnt = 0; oflags = 0; }
    if (cnt > 64) cnt = 64;

    memset(&a, 0, sizeof a);
    a.target_fd = (uint32_t)cgroup_fd;
    a.attach_bpf_fd = (uint32_t)prog;
    a.attach_type = BPF_CGROUP_DEVICE;
    /* A program attached without BPF_F_ALLOW_MULTI is replaced by attaching with flags 0. */
    int exclusive = cnt > 0 && !(oflags & BPF_F_ALLOW_MULTI);
    a.attach_flags = exclusive ? 0 : BPF_F_ALLOW_MULTI;
    if (sys_bpf(BPF_PROG_ATTACH, &a) < 0) {
        int e = errno; close(prog); errno = e;
        *step = "bpf prog attach (BPF_CGROUP_DEVICE)";
        return -1;
    }
    close(prog);
    if (exclusive) return 0;
    for (uint32_t i = 0; i < cnt; i++) {
        memset(&a, 0, sizeof a);
        a.prog_id = old[i];
        int fd = sys_bpf(BPF_PROG_GET_FD_BY_ID, &a);
        if (fd < 0) continue; /* already gone */
        memset(&a, 0, sizeof a);
        a.target_fd = (uint32_t)cgroup_fd;
        a.attach_bpf_fd = (uint32_t)fd;
        a.attach_type = BPF_CGROUP_DEVICE;
        int rc = sys_bpf(BPF_PROG_DETACH, &a);
        int e = errno;
        close(fd);
        if (rc < 0 && e != ENOENT) { errno = e; *step = "bpf prog detach (old device filter)"; return -1; }
    }
    return 0;
}

long long sr_statfs_type(const char *path) {
    struct statfs s;
    if (statfs(path, &s) != 0) return -1;
    return (long long)(unsigned long)s.f_type;
}
