// libseccomp glue (owned by Seccomp).
#ifndef SR_SECCOMP_H
#define SR_SECCOMP_H
#include <seccomp.h>
#endif
