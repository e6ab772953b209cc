/* common/version.h - the version both programs report (--version, Server:). */
#ifndef COMMON_VERSION_H
#define COMMON_VERSION_H

#define PDM_VERSION "0.1.0"

#endif
