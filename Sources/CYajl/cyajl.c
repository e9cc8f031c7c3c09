#include "cyajl.h"
