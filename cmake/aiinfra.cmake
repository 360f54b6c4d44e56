# aiinfra_module(NAME DEPS ...): static library aiinfra_NAME from src/NAME/*.cc (tests excluded),
# and, when tests are on, test binary aiinfra_NAME_test from src/NAME/*_test.cc, registered with
# ctest under the label "unit" (tests whose name contains "Slow" get the label "slow" instead).
function(aiinfra_module name)
  cmake_parse_arguments(M "" "" "DEPS" ${ARGN})
  file(GLOB all_cc CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/src/${name}/*.cc)
  set(lib_cc)
  set(test_cc)
  foreach(f ${all_cc})
    if(f MATCHES "_test\\.cc$")
      list(APPEND test_cc ${f})
    else()
      list(APPEND lib_cc ${f})
    endif()
  endforeach()
  add_library(aiinfra_${name} STATIC ${lib_cc})
  target_include_directories(aiinfra_${name} PUBLIC ${CMAKE_SOURCE_DIR}/src)
  target_link_libraries(aiinfra_${name} PUBLIC ${M_DEPS})
  if(AIINFRA_BUILD_TESTS AND test_cc)
    add_executable(aiinfra_${name}_test ${test_cc})
    target_link_libraries(aiinfra_${name}_test PRIVATE aiinfra_${name} GTest::gmock GTest::gtest_main)
    target_compile_definitions(aiinfra_${name}_test PRIVATE
      AIINFRA_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
    gtest_discover_tests(aiinfra_${name}_test
      TEST_FILTER "-*Slow*"
      PROPERTIES LABELS unit
      DISCOVERY_TIMEOUT 60)
    gtest_discover_tests(aiinfra_${name}_test
      TEST_FILTER "*Slow*"
      PROPERTIES LABELS slow
      DISCOVERY_TIMEOUT 60)
  endif()
endfunction()

# aiinfra_embed_data(TARGET DIR): a static library whose EmbeddedFiles() returns every file
# under DIR (path relative to DIR, contents), regenerated when a file changes.
function(aiinfra_embed_data target dir)
  file(GLOB_RECURSE files CONFIGURE_DEPENDS ${dir}/*.yaml ${dir}/*.yml ${dir}/*.json ${dir}/*.csv)
  set(out ${CMAKE_BINARY_DIR}/generated/embedded_data.cc)
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DDATA_DIR=${dir} -DOUT=${out} -P ${CMAKE_SOURCE_DIR}/cmake/embed.cmake
    DEPENDS ${files} ${CMAKE_SOURCE_DIR}/cmake/embed.cmake
    COMMENT "Embedding data/ into the binary"
    VERBATIM)
  add_library(${target} STATIC ${out})
  target_include_directories(${target} PUBLIC ${CMAKE_SOURCE_DIR}/src)
endfunction()
