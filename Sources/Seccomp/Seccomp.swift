// Seccomp
