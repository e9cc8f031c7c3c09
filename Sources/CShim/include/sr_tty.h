// Terminals: a pty allocated inside the container's devpts, and the foreground proxy
// `run` uses when there is no console socket.
#ifndef SR_TTY_H
#define SR_TTY_H
#include <sys/types.h>

/* Open /dev/ptmx (the container's, after pivot_root), unlock it and open its peer.
   Sets the window size when rows/cols > 0. 0 or -1 with errno; *what names the step. */
int sr_pty_open(unsigned short rows, unsigned short cols, int *master, int *slave, const char **what);
/* Make `slave` the controlling terminal and stdio of this process (after setsid). */
int sr_pty_become_ctty(int slave);
/* Name of the pty peer (/dev/pts/N) into buf. */
int sr_pty_name(int master, char *buf, size_t len);
/* Copy stdin → master and master → stdout until `pid` exits; forwards signals recorded by
   sr_catch_signals to pid, SIGWINCH as a window size change. Puts stdin in raw mode when it
   is a terminal and restores it. Returns the shell-style exit code of pid, -1 on error. */
int sr_tty_proxy(int master, pid_t pid);
#endif
