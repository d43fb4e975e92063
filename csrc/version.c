/* version.c - the ABI version the Python side checks at import. */
#include "revlog.h"

/* Bump whenever a prototype, struct or status value in revlog.h changes,
   together with C_ABI_VERSION in revlog/policy.py. */
int32_t revlog_abi_version(void)
{
	return 6;
}
