# Sourced by ./nextinfer, scripts/mvn25 and .ci/run: finds a JDK >= 25 and exports JAVA_HOME.
# Order: $NEXTINFER_JAVA_HOME, $JAVA_HOME, /usr/lib/jvm/*, /opt/*, the java on PATH.
# Fails with a clear message when none is found (the machine's default java is often 17).

nextinfer_java_major() { # prints the feature version of $1/bin/java, or nothing
  local v
  [ -x "$1/bin/java" ] || return 0
  v=$("$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p' | head -n1)
  echo "${v%%.*}"
}

nextinfer_find_jdk() {
  local c m
  for c in "${NEXTINFER_JAVA_HOME:-}" "${JAVA_HOME:-}" /usr/lib/jvm/* /opt/*jdk* /opt/java/* \
           "$(dirname "$(dirname "$(readlink -f "$(command -v java 2>/dev/null || echo /nonexistent)")")")"; do
    [ -n "$c" ] && [ -d "$c" ] || continue
    [ -x "$c/bin/javac" ] || continue
    m=$(nextinfer_java_major "$c")
    if [ -n "$m" ] && [ "$m" -ge 25 ] 2>/dev/null; then echo "$c"; return 0; fi
  done
  return 1
}

if ! NEXTINFER_JDK=$(nextinfer_find_jdk); then
  echo "nextinfer: no JDK 25 or newer found (looked at \$NEXTINFER_JAVA_HOME, \$JAVA_HOME, /usr/lib/jvm/*, /opt and the java on PATH)." >&2
  echo "nextinfer: install one (e.g. Temurin 25) or set NEXTINFER_JAVA_HOME to its folder." >&2
  exit 1
fi
export JAVA_HOME="$NEXTINFER_JDK"
export PATH="$JAVA_HOME/bin:$PATH"
