# SPDX-License-Identifier: MIT
# Warnings and sanitizers apply to shoal's own targets through this interface library.
add_library(shoal_options INTERFACE)
target_compile_options(shoal_options INTERFACE -Wall -Wextra -Wpedantic -Wshadow
                       -Wnon-virtual-dtor -Wcast-align -Wimplicit-fallthrough)
if(SHOAL_WERROR)
    target_compile_options(shoal_options INTERFACE -Werror)
endif()
# No project-wide include root: each library exposes only its own folders (shoal_library below),
# so a header of a target it does not link is not found and a wrong include fails the build.

if(SHOAL_FUZZ)
    # The fuzz sub-build (tests/fuzz/fuzz_suite.cmake): clang's libFuzzer coverage on every
    # library, ASan and UBSan with any report fatal, so a finding stops the run with its input.
    if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
        message(FATAL_ERROR "shoal: SHOAL_FUZZ needs clang (CMAKE_CXX_COMPILER=clang++)")
    endif()
    if(NOT SHOAL_SANITIZE STREQUAL "")
        message(FATAL_ERROR "shoal: SHOAL_FUZZ brings its own sanitizers; leave SHOAL_SANITIZE empty")
    endif()
    # pointer-overflow alone is recoverable, so tests/fuzz/ubsan.supp can silence the one report
    # in RapidJSON's headers; halt_on_error (scripts/fuzz.sh) keeps any other one fatal.
    set(_fuzz -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
              -fsanitize-recover=pointer-overflow -fno-omit-frame-pointer)
    # RapidJSON's iterator comparisons trip clang's C++20 reversed-operator warning everywhere.
    target_compile_options(shoal_options INTERFACE ${_fuzz} -Wno-ambiguous-reversed-operator)
    target_link_options(shoal_options INTERFACE -fsanitize=address,undefined)
    target_compile_definitions(shoal_options INTERFACE SHOAL_FUZZ=1)
endif()

if(SHOAL_SANITIZE STREQUAL "address")
    set(_san -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
elseif(SHOAL_SANITIZE STREQUAL "undefined")
    set(_san -fsanitize=undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
elseif(SHOAL_SANITIZE STREQUAL "thread")
    set(_san -fsanitize=thread -fno-omit-frame-pointer)
elseif(NOT SHOAL_SANITIZE STREQUAL "")
    message(FATAL_ERROR "shoal: SHOAL_SANITIZE must be address, undefined, thread or empty")
endif()
if(_san)
    # GCC 12 reports false maybe-uninitialized warnings inside std::function and Catch2 once
    # sanitizers instrument the code; they are not ours to fix and -Werror would stop the build.
    target_compile_options(shoal_options INTERFACE ${_san} -Wno-maybe-uninitialized)
    target_link_options(shoal_options INTERFACE ${_san})
    target_compile_definitions(shoal_options INTERFACE SHOAL_SANITIZE_${SHOAL_SANITIZE}=1)
endif()

# shoal_library(NAME DIRS ... [LINKS ...] [EXCLUDE ...]): a static library of every .cpp under the
# DIRS (not recursing into sub-folders that are libraries of their own). Globbing keeps the folder
# the single source of truth: adding a file never needs a CMake edit.
#
# Include scoping: the library's headers are reachable only through an include root of its own,
# build/include/NAME/, holding one symbolic link per DIR at the folder's path in the repository
# (build/include/shoal_net/worker/net -> worker/net). A target sees the roots of itself and of
# what it links, nothing else, so `#include "worker/session/..."` inside worker/net/ does not
# compile: the dependency rules of docs/ARCHITECTURE.md are enforced by the build.
function(shoal_library name)
    cmake_parse_arguments(A "" "" "DIRS;LINKS;EXCLUDE" ${ARGN})
    set(srcs "")
    set(root ${PROJECT_BINARY_DIR}/include/${name})
    set(linked "")
    foreach(d IN LISTS A_DIRS)
        file(GLOB s CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/${d}/*.cpp)
        list(APPEND srcs ${s})
        cmake_path(ABSOLUTE_PATH d BASE_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR} NORMALIZE
                   OUTPUT_VARIABLE dir)
        cmake_path(RELATIVE_PATH dir BASE_DIRECTORY ${PROJECT_SOURCE_DIR} OUTPUT_VARIABLE rel)
        string(REGEX REPLACE "/$" "" rel "${rel}")
        set(covered FALSE)  # a sub-folder of a folder already linked is reachable through it
        foreach(l IN LISTS linked)
            if(rel STREQUAL l OR rel MATCHES "^${l}/")
                set(covered TRUE)
            endif()
        endforeach()
        if(NOT covered)
            cmake_path(GET rel PARENT_PATH parent)
            file(MAKE_DIRECTORY ${root}/${parent})
            file(CREATE_LINK ${dir} ${root}/${rel} SYMBOLIC)
            list(APPEND linked ${rel})
        endif()
    endforeach()
    list(FILTER srcs EXCLUDE REGEX "cli_main\\.cpp$")
    foreach(x IN LISTS A_EXCLUDE)
        list(FILTER srcs EXCLUDE REGEX "${x}")
    endforeach()
    if(srcs)
        add_library(${name} STATIC ${srcs})
        target_link_libraries(${name} PUBLIC shoal_options ${A_LINKS})
        target_include_directories(${name} PUBLIC ${root})
    else()
        add_library(${name} INTERFACE)
        target_link_libraries(${name} INTERFACE shoal_options ${A_LINKS})
        target_include_directories(${name} INTERFACE ${root})
    endif()
endfunction()
