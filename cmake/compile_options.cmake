# SPDX-License-Identifier: MIT
# Warnings and sanitizers apply to shoal's own targets through this interface library.
add_library(shoal_options INTERFACE)
target_compile_options(shoal_options INTERFACE -Wall -Wextra -Wpedantic -Wshadow
                       -Wnon-virtual-dtor -Wcast-align -Wimplicit-fallthrough)
if(SHOAL_WERROR)
    target_compile_options(shoal_options INTERFACE -Werror)
endif()
target_include_directories(shoal_options INTERFACE ${PROJECT_SOURCE_DIR})

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

# shoal_library(NAME DIR [LINKS ...]): a static library of every .cpp under DIR (not recursing into
# sub-folders that are libraries of their own, listed in EXCLUDE). Globbing keeps the folder the
# single source of truth: adding a file never needs a CMake edit.
function(shoal_library name)
    cmake_parse_arguments(A "" "" "DIRS;LINKS;EXCLUDE" ${ARGN})
    set(srcs "")
    foreach(d IN LISTS A_DIRS)
        file(GLOB s CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/${d}/*.cpp)
        list(APPEND srcs ${s})
    endforeach()
    list(FILTER srcs EXCLUDE REGEX "cli_main\\.cpp$")
    foreach(x IN LISTS A_EXCLUDE)
        list(FILTER srcs EXCLUDE REGEX "${x}")
    endforeach()
    if(srcs)
        add_library(${name} STATIC ${srcs})
        target_link_libraries(${name} PUBLIC shoal_options ${A_LINKS})
    else()
        add_library(${name} INTERFACE)
        target_link_libraries(${name} INTERFACE shoal_options ${A_LINKS})
    endif()
endfunction()
