#!/usr/bin/env bash
# Every export Deno cannot call is a build error that names the export and the
# fix: each fixture in zig/fixtures/bindings_errors/ must fail its
# `zig build bindings-error-<case>` step with the message asserted here.
set -uo pipefail
. "$(dirname "$0")/toolchain.sh"
cd "$ZEROCOPY_ROOT"

failures=0
expect() { # case, then substrings the error output must contain
  local case=$1 output
  shift
  if output=$(zig build "bindings-error-$case" 2>&1); then
    echo "check_bindings_errors: $case: the build passed; it must fail" >&2
    failures=$((failures + 1))
    return
  fi
  for wanted in "$@"; do
    if ! grep -qF -- "$wanted" <<<"$output"; then
      echo "check_bindings_errors: $case: the error does not say \"$wanted\":" >&2
      grep -E "error|zerocopy" <<<"$output" | head -5 >&2
      failures=$((failures + 1))
    fi
  done
}

expect slice_parameter "parameter 0 (\`values\`) of sum has type \`[]const f64\`" "take \`[*]const T\` and a \`len: u32\` parameter"
expect struct_by_value "parameter 0 (\`point\`) of length_of_point has type" "pass a pointer to it instead of the value"
expect error_union "the result of parse_count has type" "return zerocopy.Status and map errors with zerocopy.statusOf"
expect missing_callconv "export add does not use the C calling convention" "declare it \`pub fn add(...) callconv(.c) ...\`"
expect missing_export_abi "missing_export_abi.zig never calls zerocopy.exportAbi()" "add \`comptime { zerocopy.exportAbi(); }\` to it"
expect missing_spec "missing_spec.zig has no public \`bindings\` declaration" "add \`pub const bindings: zerocopy.bindings.Spec"
expect private_spec "private_spec.zig has no public \`bindings\` declaration" "a declaration without \`pub\` is invisible"
expect arrow_schema_alone "parameter 0 (\`schema\`) of columns is an ArrowSchema not followed by its ArrowArray" "array: ?*const zerocopy.arrow.ArrowArray\`"
expect arrow_batch_without_arrow "parameter 0 (\`batch\`) of rows is a C Data \`?*const zerocopy.ArrowSchema\`" \
  "the Spec sets \`arrow_wrappers = false\`" "generate this export's wrapper from a Spec with Arrow wrappers"

expect napi_duplicate_export "two namespaces export \`scale\`" "rename one"
expect napi_reexport_not_namespace "the bindings Spec lists \`u32\` as a namespace of exports" "list the \`struct\`"

[ "$failures" = 0 ] || exit 1
echo "check_bindings_errors: 11 mistakes, each refused with the export and the fix"
