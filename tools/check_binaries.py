#!/usr/bin/env python3
"""Checks every prebuilt library from the file itself, without running it.

  tools/check_binaries.py [ROOT]

For each target in src/library/prebuilt_manifest.ts: the file under lib/<os>-<arch>/ has the manifest's
size and SHA-256; its format is the OS's (ELF shared object, Mach-O dylib, PE DLL) and its machine
the target's architecture; it exports every symbol src/abi/symbols.ts binds (zc_abi_version, zc_layout,
zc_release, ...); a Linux build asks for no glibc symbol version newer than the baseline, and a
macOS build loads on the baseline macOS.
Parses the headers with the standard library alone, so it runs where no binutils are installed.
"""
import hashlib, os, re, struct, sys

GLIBC_BASELINE = (2, 17)  # build.zig's dist_targets: x86_64-linux-gnu.2.17, aarch64-linux-gnu.2.17
MACOS_BASELINE = (11, 0)  # build.zig's dist_targets: x86_64-macos.11.0, aarch64-macos.11.0


def elf(data, arch):
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        return "not a 64-bit little-endian ELF file", set()
    e_type, e_machine = struct.unpack_from("<HH", data, 16)
    machine = {0x3E: "x86_64", 0xB7: "aarch64"}.get(e_machine, hex(e_machine))
    if e_type != 3:
        return f"ELF type {e_type}, not a shared object (3)", set()
    if machine != arch:
        return f"ELF machine {machine}, not {arch}", set()
    e_shoff, = struct.unpack_from("<Q", data, 40)
    e_shentsize, e_shnum = struct.unpack_from("<HH", data, 58)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, e_shoff + i * e_shentsize) for i in range(e_shnum)]

    def strings(index):
        return data[sections[index][4]:sections[index][4] + sections[index][5]]

    def name_at(table, offset):
        return table[offset:table.index(b"\0", offset)].decode()

    exports, glibc = set(), []
    for _name, sh_type, _flags, _addr, offset, size, link, _info, _align, entsize in sections:
        if sh_type == 11:  # SHT_DYNSYM
            table = strings(link)
            for at in range(offset, offset + size, entsize):
                st_name, st_info, _other, st_shndx = struct.unpack_from("<IBBH", data, at)
                if st_shndx != 0 and st_info >> 4 in (1, 2):  # defined, global or weak
                    exports.add(name_at(table, st_name))
        elif sh_type == 0x6FFFFFFE:  # SHT_GNU_verneed: the symbol versions the file needs
            table, at = strings(link), offset
            while True:
                _version, count, _file, aux, next_need = struct.unpack_from("<HHIII", data, at)
                vat = at + aux
                for _ in range(count):
                    _hash, _flags, _other, vna_name, vna_next = struct.unpack_from("<IHHII", data, vat)
                    match = re.fullmatch(r"GLIBC_(\d+)\.(\d+)(?:\.\d+)?", name_at(table, vna_name))
                    if match:
                        glibc.append((int(match[1]), int(match[2])))
                    vat += vna_next
                if next_need == 0:
                    break
                at += next_need
    newest = max(glibc, default=(0, 0))
    if newest > GLIBC_BASELINE:
        return f"needs GLIBC_{newest[0]}.{newest[1]}, newer than the {GLIBC_BASELINE[0]}.{GLIBC_BASELINE[1]} baseline", exports
    return f"ELF shared object, {machine}, needs glibc {newest[0]}.{newest[1]}", exports


def macho(data, arch):
    magic, cputype, _sub, filetype, ncmds = struct.unpack_from("<IiiII", data, 0)
    if magic != 0xFEEDFACF:
        return "not a 64-bit little-endian Mach-O file", set()
    machine = {0x01000007: "x86_64", 0x0100000C: "aarch64"}.get(cputype, hex(cputype))
    if filetype != 6:
        return f"Mach-O file type {filetype}, not a dylib (6)", set()
    if machine != arch:
        return f"Mach-O CPU {machine}, not {arch}", set()
    exports, at, minos = set(), 32, None
    for _ in range(ncmds):
        cmd, size = struct.unpack_from("<II", data, at)
        if cmd == 0x32:  # LC_BUILD_VERSION: the oldest macOS that loads the file
            version, = struct.unpack_from("<I", data, at + 12)
            minos = (version >> 16, (version >> 8) & 0xFF)
        elif cmd == 0x2:  # LC_SYMTAB
            symoff, nsyms, stroff, _strsize = struct.unpack_from("<IIII", data, at + 8)
            for i in range(nsyms):
                n_strx, n_type = struct.unpack_from("<IB", data, symoff + 16 * i)
                if n_type & 0x01 and n_type & 0x0E == 0x0E:  # external, defined in a section
                    name = data[stroff + n_strx:data.index(b"\0", stroff + n_strx)].decode()
                    exports.add(name[1:] if name.startswith("_") else name)
        at += size
    if minos is None or minos > MACOS_BASELINE:
        return f"needs macOS {minos}, newer than the {MACOS_BASELINE[0]}.{MACOS_BASELINE[1]} baseline", exports
    return f"Mach-O dylib, {machine}, needs macOS {minos[0]}.{minos[1]}", exports


def pe(data, arch):
    if data[:2] != b"MZ":
        return "not a PE file", set()
    pe_at, = struct.unpack_from("<I", data, 0x3C)
    if data[pe_at:pe_at + 4] != b"PE\0\0":
        return "no PE signature", set()
    machine_id, nsections, _t, _p, _n, optional_size, characteristics = struct.unpack_from("<HHIIIHH", data, pe_at + 4)
    machine = {0x8664: "x86_64", 0xAA64: "aarch64"}.get(machine_id, hex(machine_id))
    if not characteristics & 0x2000:
        return "PE file that is not a DLL", set()
    if machine != arch:
        return f"PE machine {machine}, not {arch}", set()
    optional = pe_at + 24
    if struct.unpack_from("<H", data, optional)[0] != 0x20B:
        return "not PE32+ (64-bit)", set()
    export_rva, _size = struct.unpack_from("<II", data, optional + 112)
    sections = [struct.unpack_from("<8sIIII", data, optional + optional_size + 40 * i) for i in range(nsections)]

    def offset(rva):
        for _name, vsize, vaddr, rawsize, rawptr in sections:
            if vaddr <= rva < vaddr + max(vsize, rawsize):
                return rva - vaddr + rawptr
        raise ValueError(f"RVA {rva:#x} is in no section")

    exports = set()
    if export_rva:
        directory = offset(export_rva)
        count, = struct.unpack_from("<I", data, directory + 24)
        names, = struct.unpack_from("<I", data, directory + 32)
        for i in range(count):
            at = offset(struct.unpack_from("<I", data, offset(names) + 4 * i)[0])
            exports.add(data[at:data.index(b"\0", at)].decode())
    return f"PE DLL, {machine}", exports


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
    manifest = open(os.path.join(root, "src/library/prebuilt_manifest.ts")).read()
    targets = re.findall(r'"(\w+)-(\w+)": \{\s*file: "([^"]+)",\s*size: (\d+),\s*sha256: "([0-9a-f]{64})"', manifest)
    symbols = open(os.path.join(root, "src/abi/symbols.ts")).read()
    required = set(re.findall(r"^  (zc_\w+): \{", symbols, re.M))
    readers = {"linux": elf, "darwin": macho, "windows": pe}
    failures = 0
    if not targets or not required:
        print("check_binaries: found no targets in src/library/prebuilt_manifest.ts or no symbols in src/abi/symbols.ts")
        return 1
    for os_name, arch, file, size, sha256 in targets:
        path = os.path.join(root, "lib", f"{os_name}-{arch}", file)
        data = open(path, "rb").read()
        problems = []
        if len(data) != int(size):
            problems.append(f"{len(data)} bytes, the manifest says {size}")
        if hashlib.sha256(data).hexdigest() != sha256:
            problems.append("SHA-256 differs from the manifest")
        description, exports = readers[os_name](data, arch)
        if not exports:
            problems.append(description)
        elif "newer than" in description:
            problems.append(description)
        missing = sorted(required - exports)
        if missing:
            problems.append(f"does not export {', '.join(missing)}")
        status = "FAIL" if problems else "ok"
        print(f"{status:4} {os_name + '-' + arch:16} {file:18} {len(data):>8} B  {description}; "
              f"{len(required & exports)}/{len(required)} symbols" + "".join(f"\n     {p}" for p in problems))
        failures += bool(problems)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
