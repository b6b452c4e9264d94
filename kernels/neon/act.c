/* act.c: neon twins (being written). */
#include "config.h"

#include "kern-impl.h"
