// cgroup v2 device control: a BPF_PROG_TYPE_CGROUP_DEVICE program built from an already
// reduced rule list (see Sources/Cgroups/Devices.swift), loaded and attached to a cgroup.
#ifndef SR_CGROUP_H
#define SR_CGROUP_H
#include <stdint.h>

/* One exception to the default. type: 'a' (any), 'b', 'c'. major/minor: -1 = any.
   access: bits of BPF_DEVCG_ACC_* (1 mknod, 2 read, 4 write). */
struct sr_dev_rule {
    char type;
    int64_t major;
    int64_t minor;
    uint32_t access;
};

/* Builds the program: a request matching an exception gets !default_allow, anything else
   default_allow. With default_allow == 0 (allow-list) a request matches when its access is a
   subset of the rule's; with default_allow == 1 (deny-list) when it overlaps it (cgroup v1
   semantics). Loads it, attaches it to cgroup_fd (BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI) and
   then detaches the programs that were attached there before, so there is no window without
   a filter. Returns 0, or -1 with errno set and *step naming the failed step
   ("bpf prog load", "bpf prog attach", ...); log (may be NULL) receives the verifier log. */
int sr_cgroup_set_device_filter(int cgroup_fd, const struct sr_dev_rule *rules, int n,
                                int default_allow, const char **step, char *log, uint32_t log_size);

/* Number of BPF_CGROUP_DEVICE programs attached to cgroup_fd, -1 with errno on error. */
int sr_cgroup_device_prog_count(int cgroup_fd);

/* statfs(2) f_type of path (e.g. CGROUP2_SUPER_MAGIC 0x63677270), -1 with errno on error. */
long long sr_statfs_type(const char *path);
#endif
