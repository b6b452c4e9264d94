/* q8_0.c: avx512 twins (being written). */
#include "config.h"

#include "kern-impl.h"
