/* Wine stand-in for bcryptprimitives.dll!ProcessPrng (absent from Wine 8): Rust's standard library
 * (python-calamine) gets its random bytes from it since Rust 1.78. Forwards to RtlGenRandom.
 * Built into the Wine prefix by build-windows.sh; NEVER shipped (Windows 10/11 has the real one). */
#include <windows.h>

BOOLEAN NTAPI SystemFunction036(PVOID buffer, ULONG length); /* RtlGenRandom, advapi32 */

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T size) {
    while (size > 0) {
        ULONG chunk = size > 0x40000000 ? 0x40000000 : (ULONG)size;
        if (!SystemFunction036(data, chunk)) return FALSE;
        data += chunk;
        size -= chunk;
    }
    return TRUE;
}
