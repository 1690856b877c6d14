#!/bin/bash
# check-style.sh: the house rules a machine can check, one line per check,
# "PASS name" or "FAIL name" with what broke it (make test counts them).
#   format   every tracked .c/.h is as clang-format (.clang-format) writes it
#            (`make format` fixes it)
#   banned   no strcpy, strcat, sprintf, vsprintf, gets, atoi, atol, strtok,
#            alloca or system() in the sources (bounded or checked forms exist
#            for each: snprintf, strtol with checks, the cursor...)
set -u
cd "$(dirname "$0")/.."
rc=0
files=$(git ls-files '*.c' '*.h' 2>/dev/null || find src tests include -name '*.[ch]')
drift=""
for f in $files; do
	clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || drift="$drift $f"
done
if [ -z "$drift" ]; then echo "PASS format"; else
	echo "FAIL format: not as clang-format writes them (make format):$drift"
	rc=1
fi
# a call: the name, optional spaces, "(" (not a longer identifier such as snprintf)
banned=$(grep -nE '(^|[^A-Za-z0-9_])(strcpy|strcat|sprintf|vsprintf|gets|atoi|atol|strtok|alloca|system)[[:space:]]*\(' \
	$files | grep -vE '^[^:]+:[0-9]+:[[:space:]]*(\*|//|/\*)' || true)
if [ -z "$banned" ]; then echo "PASS banned"; else
	echo "FAIL banned: banned functions called:"
	printf '%s\n' "$banned" | sed 's/^/    /'
	rc=1
fi
exit $rc
