/* Wine stand-in for mscms.dll (Wine 8's builtin lacks WcsCreateIccProfile, which Qt's qwindows
 * platform plugin imports). Loaded instead of the builtin with WINEDLLOVERRIDES=mscms=n, so it
 * provides all four functions the plugin imports; each reports "no colour profile", which Qt
 * handles by assuming sRGB. Built into the Wine prefix by build-windows.sh; NEVER shipped. */
#include <windows.h>

#define EXPORT __declspec(dllexport)

EXPORT HANDLE WINAPI OpenColorProfileW(void *profile, DWORD access, DWORD share, DWORD creation) {
    (void)profile; (void)access; (void)share; (void)creation;
    SetLastError(ERROR_FILE_NOT_FOUND);
    return NULL;
}
EXPORT BOOL WINAPI CloseColorProfile(HANDLE profile) { (void)profile; return TRUE; }
EXPORT BOOL WINAPI GetColorProfileFromHandle(HANDLE profile, BYTE *buffer, DWORD *size) {
    (void)profile; (void)buffer; (void)size;
    SetLastError(ERROR_INVALID_HANDLE);
    return FALSE;
}
EXPORT HANDLE WINAPI WcsCreateIccProfile(HANDLE profile, DWORD options) {
    (void)profile; (void)options;
    SetLastError(ERROR_NOT_SUPPORTED);
    return NULL;
}
