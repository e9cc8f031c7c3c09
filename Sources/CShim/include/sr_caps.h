// libcap glue (owned by ProcessSetup).
#ifndef SR_CAPS_H
#define SR_CAPS_H
#include <sys/capability.h>
#endif
