#!/usr/bin/env bash
# Assembles the base of the lockwarden container image, without a container registry or a Docker daemon:
# a Java runtime cut down by jlink from the JDK that runs the build (Debian's openjdk-17-jdk-headless here), the
# shared libraries it loads (from the build machine's Debian packages: libc6, zlib1g, libstdc++6, libgcc-s1), and
# the passwd/group entries of the unprivileged user 65532. Jib then lays the application on top of it, from a
# `scratch` base, with fixed timestamps and file modes, so the same inputs give the same image digest.
#
#   rootfs.sh OUT_DIR JAVA_HOME
set -euo pipefail
# jlink's output (lib/modules) depends on the locale it runs in: fix it, so every build makes the same bytes
export LC_ALL=C.UTF-8 LANG=C.UTF-8
out="$1"
java_home="$2"
# jdeps --print-module-deps on cli/target/lockwarden.jar, plus TLS (jdk.crypto.ec) and what pgjdbc/JMX load reflectively
modules="java.base,java.desktop,java.logging,java.management,java.naming,java.net.http,java.security.jgss,java.security.sasl,java.sql,java.xml,jdk.crypto.ec,jdk.httpserver,jdk.management,jdk.unsupported,jdk.zipfs"

rm -rf "$out"
mkdir -p "$out/opt" "$out/etc"
if [ -d "$java_home/jmods" ]; then
  # --strip-debug and no man pages or headers: 60 MB instead of the JDK's 300 MB; deterministic for the same JDK
  "$java_home/bin/jlink" --module-path "$java_home/jmods" --add-modules "$modules" --strip-debug \
    --no-man-pages --no-header-files --compress=0 --output "$out/opt/java"
else
  echo "rootfs.sh: $java_home has no jmods (Debian: apt-get install openjdk-17-jdk-headless): copying its whole runtime" >&2
  cp -rL "$java_home" "$out/opt/java"
  rm -rf "$out/opt/java/jmods" "$out/opt/java/man" "$out/opt/java/include" "$out/opt/java/lib/src.zip"
fi
# java.desktop is there for java.beans only: its native AWT, font, image and sound libraries (and the X11
# libraries they would pull in) are never loaded by a headless daemon
rm -f "$out"/opt/java/lib/lib{awt,awt_xawt,awt_headless,jawt,splashscreen,fontmanager,lcms,javajpeg,mlib_image,jsound}.so
# the class data sharing archive is regenerated on the first start otherwise; keep it out (reproducible size)
rm -f "$out/opt/java/lib/server/classes.jsa" "$out/opt/java/lib/server/classes_nocoops.jsa"

# Every shared library the runtime's executables and libraries need, at the path the loader expects, with no
# symlinks (Jib copies regular files). The loader itself is found through each binary's PT_INTERP path.
find "$out/opt/java" -type f \( -name '*.so' -o -path '*/bin/*' \) -print0 \
  | xargs -0 ldd 2>/dev/null \
  | awk '/=> \// {print $3} /^\t\/[^ ]+ \(/ {print $1}' \
  | sort -u \
  | while read -r lib; do
      case "$lib" in "$out"*) continue ;; esac
      mkdir -p "$out$(dirname "$lib")"
      cp -L "$lib" "$out$lib"
    done

cat > "$out/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/sbin/nologin
lockwarden:x:65532:65532:lockwarden:/home/lockwarden:/sbin/nologin
PASSWD
cat > "$out/etc/group" <<'GROUP'
root:x:0:
lockwarden:x:65532:
GROUP
mkdir -p "$out/etc/lockwarden" "$out/tmp" "$out/home/lockwarden" "$out/var/lib/lockwarden"
du -sh "$out" | awk '{print "rootfs.sh: base layer " $1}' >&2
