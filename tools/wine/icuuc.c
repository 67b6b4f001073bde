/* Wine stand-in for Windows 10's system icuuc.dll (absent from Wine 8): Qt6Core imports these 20
 * ucnv_* functions to offer legacy text codecs. Every converter "fails to open", so Qt falls back to
 * its built-in UTF-8/UTF-16/Latin-1 codecs (all the program uses). Built into the Wine prefix
 * by build-windows.sh; NEVER shipped (real Windows 10/11 has its own icuuc.dll). */
#include <stddef.h>
#include <stdint.h>

#define EXPORT __declspec(dllexport)
#define U_FILE_ACCESS_ERROR 4

typedef int UErrorCode;

EXPORT void *ucnv_open(const char *name, UErrorCode *err) {
    (void)name;
    if (err && *err <= 0) *err = U_FILE_ACCESS_ERROR;
    return NULL;
}
EXPORT void ucnv_close(void *cnv) { (void)cnv; }
EXPORT void ucnv_reset(void *cnv) { (void)cnv; }
EXPORT int8_t ucnv_getMaxCharSize(const void *cnv) { (void)cnv; return 1; }
EXPORT const char *ucnv_getName(const void *cnv, UErrorCode *err) { (void)cnv; (void)err; return "none"; }
EXPORT const char *ucnv_getStandardName(const char *name, const char *standard, UErrorCode *err) {
    (void)name; (void)standard; (void)err; return NULL;
}
EXPORT int32_t ucnv_countAvailable(void) { return 0; }
EXPORT const char *ucnv_getAvailableName(int32_t n) { (void)n; return NULL; }

/* Callbacks and the conversion calls are never reached (no converter ever opens): report an error. */
#define FAIL_STUB(name) \
    EXPORT void name(void *a, void *b, void *c, void *d, void *e, void *f) { \
        (void)a; (void)b; (void)c; (void)d; (void)e; (void)f; }
FAIL_STUB(UCNV_FROM_U_CALLBACK_SUBSTITUTE)
FAIL_STUB(UCNV_TO_U_CALLBACK_SUBSTITUTE)
FAIL_STUB(ucnv_getToUCallBack)
FAIL_STUB(ucnv_getFromUCallBack)
FAIL_STUB(ucnv_setToUCallBack)
FAIL_STUB(ucnv_setFromUCallBack)
FAIL_STUB(ucnv_cbToUWriteUChars)
FAIL_STUB(ucnv_cbFromUWriteUChars)
FAIL_STUB(ucnv_toUnicode)
FAIL_STUB(ucnv_fromUnicode)

EXPORT int32_t ucnv_toUCountPending(const void *cnv, UErrorCode *err) {
    (void)cnv; if (err && *err <= 0) *err = U_FILE_ACCESS_ERROR; return -1;
}
EXPORT int32_t ucnv_fromUCountPending(const void *cnv, UErrorCode *err) {
    (void)cnv; if (err && *err <= 0) *err = U_FILE_ACCESS_ERROR; return -1;
}
