/* q8_0.c: neon twins (being written). */
#include "config.h"

#include "kern-impl.h"
