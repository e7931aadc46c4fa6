/* Test fixture only, never shipped: Debian 12's Wine 8.0 has no
 * bcryptprimitives.dll, whose ProcessPrng every Rust std program imports.
 * This stand-in serves it from RtlGenRandom (advapi32's SystemFunction036).
 * Placed beside the exe under test; real Windows has the real DLL. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len > 0) {
        ULONG chunk = len > 0x10000000 ? 0x10000000 : (ULONG)len;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
