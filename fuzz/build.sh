#!/bin/sh
# fuzz/build.sh: builds the libFuzzer harnesses with clang, apart from the
# normal build (which stays gcc): each library source a harness needs is
# compiled once with the fuzzing and sanitizer flags, then every harness is
# linked from them into BUILDDIR/fuzz/bin/.  The loaders and tokenizers use
# no kernels, so no ISA flags are needed.
#   fuzz/build.sh [SRCDIR [BUILDDIR]]    (make fuzz passes both)
# BUILDDIR must hold a configured tree (its config.h).
set -eu

src=${1:-$(dirname "$0")/..}
build=${2:-$src}
CLANG=${CLANG:-clang}
FLAGS="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined"
CFLAGS="-std=c11 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter"

command -v "$CLANG" >/dev/null 2>&1 ||
    { echo "fuzz/build.sh: $CLANG not found (apt-get install clang libclang-rt-14-dev)" >&2; exit 1; }
[ -f "$build/config.h" ] ||
    { echo "fuzz/build.sh: $build/config.h missing: run ./configure first" >&2; exit 1; }

obj=$build/fuzz/obj
bin=$build/fuzz/bin
mkdir -p "$obj" "$bin"

# The library sources the harnesses use (the tokenizers pull in the GGUF
# reader through vocab.c, and every harness the checks in fuzz-util.c).
LIB="src/qerr.c src/unicode.c src/unicode-data.c src/gguf.c src/vocab.c
src/tokenizer.c src/tok-spm.c src/tok-bpe.c src/detok.c src/llama2c.c
src/batch-item.c src/ere.c src/json.c fuzz/fuzz-util.c"
HARNESSES="gguf llama2c tok-spm tok-bpe batch-item"

objs=""
for f in $LIB; do
	o=$obj/$(basename "$f" .c).o
	# -fsanitize=fuzzer at link time only: fuzzer-no-link instruments.
	$CLANG $CFLAGS -g -O1 -fsanitize=fuzzer-no-link,address,undefined \
	    -fno-sanitize-recover=undefined -I"$build" -I"$src/src" \
	    -I"$src/fuzz" -c "$src/$f" -o "$o"
	objs="$objs $o"
done
for h in $HARNESSES; do
	# shellcheck disable=SC2086
	$CLANG $CFLAGS $FLAGS -I"$build" -I"$src/src" -I"$src/fuzz" \
	    "$src/fuzz/fuzz-$h.c" $objs -lm -o "$bin/fuzz-$h"
done
echo "fuzz/build.sh: built$(for h in $HARNESSES; do printf ' %s' "fuzz/bin/fuzz-$h"; done)"
