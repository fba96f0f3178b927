# SPDX-License-Identifier: MIT
# The fuzz targets as part of the suite. The main build uses gcc; libFuzzer needs clang, so the
# main build configures and builds a second tree of this repository, build/fuzz, with clang++ and
# SHOAL_FUZZ=ON (only the fuzz targets and the libraries they link), as one step of its own
# `all`. Each target then gets a ctest entry (label `fuzz`) that replays its committed corpus
# (tests/fuzz/corpus/<target>/) and runs a bounded number of mutations with a fixed seed, under
# ASan + UBSan, through scripts/fuzz.sh. -DSHOAL_FUZZ_TESTS=OFF leaves all of it out.
#   // fuzz-runs: 20000      (in a target's first lines: mutations per ctest run; default 20000)
include(ExternalProject)

option(SHOAL_FUZZ_TESTS "Build the libFuzzer targets with clang and run them in ctest" ON)
if(NOT SHOAL_FUZZ_TESTS)
    return()
endif()

find_program(SHOAL_CLANGXX NAMES clang++ clang++-14)
if(NOT SHOAL_CLANGXX)
    message(FATAL_ERROR "shoal: clang++ not found for the fuzz targets. Install it with: "
                        "apt-get install clang libclang-rt-dev (or configure with -DSHOAL_FUZZ_TESTS=OFF)")
endif()
execute_process(COMMAND ${SHOAL_CLANGXX} -print-runtime-dir OUTPUT_VARIABLE shoal_clang_rt
                OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
file(GLOB shoal_fuzzer_rt "${shoal_clang_rt}/libclang_rt.fuzzer*.a")
if(NOT shoal_fuzzer_rt)
    message(FATAL_ERROR "shoal: libFuzzer (libclang_rt.fuzzer) not found next to ${SHOAL_CLANGXX}. "
                        "Install it with: apt-get install libclang-rt-dev (or configure with -DSHOAL_FUZZ_TESTS=OFF)")
endif()

set(shoal_fuzz_dir ${PROJECT_BINARY_DIR}/fuzz)
cmake_host_system_information(RESULT shoal_cores QUERY NUMBER_OF_LOGICAL_CORES)
ExternalProject_Add(shoal_fuzz_build
    SOURCE_DIR ${PROJECT_SOURCE_DIR}
    BINARY_DIR ${shoal_fuzz_dir}
    CMAKE_GENERATOR ${CMAKE_GENERATOR}
    CMAKE_ARGS -DCMAKE_CXX_COMPILER=${SHOAL_CLANGXX}
               -DCMAKE_BUILD_TYPE=RelWithDebInfo
               -DCMAKE_CXX_COMPILER_LAUNCHER=${CMAKE_CXX_COMPILER_LAUNCHER}
               -DSHOAL_FUZZ=ON -DSHOAL_BUILD_TESTS=OFF -DSHOAL_BUILD_BENCH=OFF
               # gcc's build is the warning gate; clang's other warnings must not stop this one.
               -DSHOAL_WERROR=OFF
    BUILD_COMMAND ${CMAKE_COMMAND} --build ${shoal_fuzz_dir} --target shoal_fuzzers
                  --parallel ${shoal_cores}
    # ExternalProject does not see the sources change; ninja in build/fuzz does, at no cost.
    BUILD_ALWAYS ON
    INSTALL_COMMAND ""
    # Its output would interleave with the main build's; this keeps it in build/fuzz-*.log.
    LOG_CONFIGURE ON LOG_BUILD ON LOG_OUTPUT_ON_FAILURE ON)

file(GLOB shoal_fuzz_sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/*_fuzz.cpp)
foreach(src IN LISTS shoal_fuzz_sources)
    get_filename_component(name ${src} NAME_WE)
    string(REGEX REPLACE "_fuzz$" "" target ${name})
    shoal_marker(${src} fuzz-runs runs)
    if(NOT runs)
        set(runs 20000)
    endif()
    if(NOT IS_DIRECTORY ${CMAKE_CURRENT_LIST_DIR}/corpus/${target})
        message(FATAL_ERROR "shoal: ${src} has no seed corpus at tests/fuzz/corpus/${target}/")
    endif()
    add_test(NAME fuzz_${target}
             COMMAND bash ${PROJECT_SOURCE_DIR}/scripts/fuzz.sh ${target} -runs=${runs} -seed=1)
    set_tests_properties(fuzz_${target} PROPERTIES LABELS "unit;fuzz" TIMEOUT 120
        ENVIRONMENT "SHOAL_BUILD_DIR=${PROJECT_BINARY_DIR}")
endforeach()
