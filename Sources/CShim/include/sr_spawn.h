// The namespace dance. Runs in C while the process is single-threaded (the CLI never starts
// a thread), so setns/unshare are allowed. Returns twice like fork(): 0 in the container's
// init process, its pid (as the caller sees it) in the caller, -1 with *err on failure.
//
// Path A (no user namespace created or joined): one fork. The caller moves its own
//   pid_for_children / time_for_children into the new or joined pid/time namespace just
//   for the fork and moves back, so the child is born there (pid 1 when new). The child
//   joins the other namespaces given by path and unshares the rest.
// Path B (user namespace): fork stage 1; it joins or unshares the user namespace first
//   (the caller writes uid_map/gid_map on request), then joins/unshares the others, writes
//   timens offsets, and forks the init (stage 2) which the caller adopts as child
//   subreaper. Namespaces are then owned by the container's user namespace.
//
// Cgroups (both paths, optional): the child is born in the container's cgroups. Just for the
//   first fork the caller moves its own thread into each v1 cgroup by writing "0" to its
//   `tasks` file and back afterwards; a thread migrating itself skips the global
//   cgroup_threadgroup_rwsem, whose write side waits for an RCU grace period (the
//   cgroup.procs write of another pid took 8-12 ms here, the self-moves 0.5 ms). The v2
//   cgroup comes from clone3(CLONE_INTO_CGROUP). Whatever could not be done this way is left
//   unset in sr_spawn_error.cg_placed for the caller to do by cgroup.procs.
#ifndef SR_SPAWN_H
#define SR_SPAWN_H
#include <sys/types.h>

#define SR_NS_MAX 8

struct sr_ns_join {
    int nstype;        /* CLONE_NEW* */
    int fd;            /* open fd on the namespace file */
};

struct sr_spawn_config {
    int new_flags;                      /* CLONE_NEW* to create */
    struct sr_ns_join join[SR_NS_MAX];  /* namespaces to join by path */
    int n_join;
    const char *uid_map;                /* "0 1000 1\n..." for a new user ns, or NULL */
    const char *gid_map;
    int deny_setgroups;                 /* write "deny" to /proc/PID/setgroups (rootless) */
    const char *timens_offsets;         /* "monotonic 1 0\nboottime 2 0\n" or NULL */
    int child_fd;                       /* path A: where the child reports a failed join as
                                           "error <errno> <what>" before it exits 1 */
    const char *const *cg_enter;        /* NULL-terminated v1 `tasks` files of the container */
    const char *const *cg_leave;        /* ... and the caller's own ones, to go back to */
    int cg_has_fd;                      /* cg_fd is a cgroup2 directory for CLONE_INTO_CGROUP */
    int cg_fd;
};

#define SR_CG_PLACED_V1 1
#define SR_CG_PLACED_V2 2

struct sr_spawn_error {
    int err;              /* errno */
    char what[200];       /* the step that failed, e.g. "setns net /proc/1/ns/net" */
    int cg_placed;        /* SR_CG_PLACED_*: where the child was born in its cgroups */
};

pid_t sr_spawn(const struct sr_spawn_config *cfg, struct sr_spawn_error *err);
#endif
