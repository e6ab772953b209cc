/*
 * common/human.h - numbers for people: sizes in binary units.
 */
#ifndef COMMON_HUMAN_H
#define COMMON_HUMAN_H

#include <stddef.h>
#include <stdint.h>

/*
 * Write SIZE bytes as "512 B", "1.5 KiB", "300.0 MiB" into OUT (CAP bytes,
 * NUL-terminated, cut if too small). Pure.
 */
void human_size(uint64_t size, char *out, size_t cap);

#endif
