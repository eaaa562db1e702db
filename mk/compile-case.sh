#!/bin/sh
# compile-case.sh SRC OBJ CC ARGS...: compile one case file; the case functions that do not
# compile against this implementation SKIP with the compiler's reason, the others are
# built as they are (mk/compile_case.py says how).
exec python3 "$(dirname "$0")/compile_case.py" "$@"
