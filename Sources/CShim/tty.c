#define _GNU_SOURCE
#include "sr_tty.h"
#include "sr_sys.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

int sr_pty_open(unsigned short rows, unsigned short cols, int *master, int *slave, const char **what) {
    int m = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (m < 0) { *what = "open /dev/ptmx"; return -1; }
    int unlock = 0;
    if (ioctl(m, TIOCSPTLCK, &unlock) < 0) { *what = "unlock pty"; close(m); return -1; }
    int s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (s < 0) { *what = "open pty peer"; close(m); return -1; }
    if (rows > 0 && cols > 0) {
        struct winsize ws = { .ws_row = rows, .ws_col = cols };
        if (ioctl(m, TIOCSWINSZ, &ws) < 0) { *what = "set console size"; close(m); close(s); return -1; }
    }
    *master = m;
    *slave = s;
    return 0;
}

int sr_pty_become_ctty(int slave) {
    if (setsid() < 0) return -1;
    if (ioctl(slave, TIOCSCTTY, 0) < 0) return -1;
    for (int fd = 0; fd < 3; fd++)
        if (dup2(slave, fd) < 0) return -1;
    return 0;
}

int sr_pty_name(int master, char *buf, size_t len) {
    unsigned int n;
    if (ioctl(master, TIOCGPTN, &n) < 0) return -1;
    snprintf(buf, len, "/dev/pts/%u", n);
    return 0;
}

static int copy_once(int from, int to) {
    char buf[8192];
    ssize_t n = read(from, buf, sizeof buf);
    if (n <= 0) return n < 0 && (errno == EINTR || errno == EAGAIN) ? 1 : 0;
    for (ssize_t off = 0; off < n;) {
        ssize_t w = write(to, buf + off, (size_t)(n - off));
        if (w < 0) { if (errno == EINTR) continue; return 0; }
        off += w;
    }
    return 1;
}

int sr_tty_proxy(int master, pid_t pid) {
    struct termios saved;
    int raw = isatty(0) && tcgetattr(0, &saved) == 0;
    if (raw) {
        struct termios t = saved;
        cfmakeraw(&t);
        tcsetattr(0, TCSANOW, &t);
        struct winsize ws;
        if (ioctl(0, TIOCGWINSZ, &ws) == 0) ioctl(master, TIOCSWINSZ, &ws);
    }
    int sigs[] = { SIGCHLD };
    sr_catch_signals(sigs, 1);
    int stdin_open = 1, code = -1, status;
    for (;;) {
        int s;
        while ((s = sr_take_signal()) != 0) {
            if (s == SIGCHLD) continue;
            if (s == SIGWINCH && raw) {
                struct winsize ws;
                if (ioctl(0, TIOCGWINSZ, &ws) == 0) ioctl(master, TIOCSWINSZ, &ws);
            }
            kill(pid, s);
        }
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid) { code = sr_wait_status_code(status); break; }
        if (r < 0 && errno != EINTR) break;
        struct pollfd p[2] = { { master, POLLIN, 0 }, { 0, POLLIN, 0 } };
        int n = poll(p, stdin_open ? 2 : 1, 200);
        if (n < 0) continue;
        if (p[0].revents & POLLIN) copy_once(master, 1);
        else if (p[0].revents & (POLLHUP | POLLERR)) usleep(1000); /* peer closed: wait for exit */
        if (stdin_open && (p[1].revents & (POLLIN | POLLHUP))) {
            if (!copy_once(0, master)) {
                stdin_open = 0;
                /* input from a file or pipe ended: tell the program (end-of-file on a tty) */
                if (!raw) { char eof = 4; ssize_t w = write(master, &eof, 1); (void)w; }
            }
        }
    }
    /* what the program wrote last */
    fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
    while (copy_once(master, 1) == 1) {
        struct pollfd p = { master, POLLIN, 0 };
        if (poll(&p, 1, 0) <= 0 || !(p.revents & POLLIN)) break;
    }
    if (raw) tcsetattr(0, TCSANOW, &saved);
    return code;
}
