/* tcc_shim.c - what libtcc needs to live in the shared libhotrun.so
 *
 * Debian ships libtcc only as a static archive built without -fPIC.  Its
 * code reaches its own globals PC-relative, which is fine in a shared
 * object once they are local (the link hides every archive symbol), but
 * also glibc's data objects stdout, stderr and environ, which a shared
 * object cannot.  The build (CMakeLists.txt) makes a copy of the archive
 * for libhotrun.so in which those three names are renamed to the
 * variables below; they hold the same values.  The static library uses
 * the archive as it is and ignores these.
 */
#include <stdio.h>
#include <unistd.h>

__attribute__((visibility("hidden"))) FILE *hr_tcc_stdout;
__attribute__((visibility("hidden"))) FILE *hr_tcc_stderr;
__attribute__((visibility("hidden"))) char **hr_tcc_environ;

__attribute__((constructor)) static void tcc_shim_init(void)
{
    hr_tcc_stdout = stdout;
    hr_tcc_stderr = stderr;
    hr_tcc_environ = environ;
}
