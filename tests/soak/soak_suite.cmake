# SPDX-License-Identifier: MIT
# The ASan soak (scripts/soak.sh, docs/hardening.md) as a ctest under the `slow` label: one
# minute against `shoal serve --workers 2` built with ASan + UBSan in its own tree (build-asan/,
# or SHOAL_ASAN_BUILD_DIR). The build is a setup step of its own (incremental; a first one takes
# minutes), so `ctest -L slow` always soaks the current sources.
add_test(NAME soak_asan_build COMMAND bash ${PROJECT_SOURCE_DIR}/scripts/soak.sh --build-only)
set_tests_properties(soak_asan_build PROPERTIES LABELS "slow;soak" TIMEOUT 3600
    FIXTURES_SETUP shoal_asan_build)
add_test(NAME soak_asan COMMAND bash ${PROJECT_SOURCE_DIR}/scripts/soak.sh --no-build 60)
# Alone: it measures RSS and must not share the two cores with other load tests.
set_tests_properties(soak_asan PROPERTIES LABELS "slow;soak" TIMEOUT 600 RUN_SERIAL TRUE
    FIXTURES_REQUIRED shoal_asan_build)
