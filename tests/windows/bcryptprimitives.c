/*
 * A stand-in for bcryptprimitives.dll, for running tok.exe under Wine only.
 *
 * Rust's standard library (and getrandom) take their randomness from ProcessPrng, exported by
 * bcryptprimitives.dll, which every Windows 10 and 11 has. Wine 8.0 (Debian 12's wine64) lacks
 * that export: a Rust program fails to load and exits with code 53 before printing anything.
 * This stub exports ProcessPrng over SystemFunction036 (RtlGenRandom, in advapi32), which Wine
 * implements. scripts/windows-test builds it with mingw-w64 at test time and copies it into
 * the Wine prefix's system32; it is never shipped.
 *
 *   x86_64-w64-mingw32-gcc -shared -O2 -o bcryptprimitives.dll bcryptprimitives.c -ladvapi32
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
