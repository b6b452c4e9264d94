/* q4_0.c: avx2 twins (being written). */
#include "config.h"

#include "kern-impl.h"
