# ThreadSanitizer runs code several times slower: its timeouts scale.
if(GODWIT_TSAN)
  set(GODWIT_TIMEOUT_SCALE 4)
else()
  set(GODWIT_TIMEOUT_SCALE 1)
endif()
math(EXPR GODWIT_UNIT_TIMEOUT "120 * ${GODWIT_TIMEOUT_SCALE}")
math(EXPR GODWIT_DB_TIMEOUT "900 * ${GODWIT_TIMEOUT_SCALE}")

# godwit_unit_test(NAME SOURCES... LIBS libs...)
# Registers a GoogleTest binary with CTest. Unit tests need no server.
function(godwit_unit_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} GTest::gtest_main)
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS unit TIMEOUT ${GODWIT_UNIT_TIMEOUT})
endfunction()

# godwit_db_test(NAME SOURCES... LIBS libs...)
# A GoogleTest binary that talks to the real servers started by the
# `databases` CTest fixture (scripts/testdb.sh); it reads their URIs from
# the env file the fixture writes.
function(godwit_db_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} godwit_test_support GTest::gtest_main)
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES
    LABELS db TIMEOUT ${GODWIT_DB_TIMEOUT} FIXTURES_REQUIRED databases
    ENVIRONMENT "GODWIT_TEST_ENV=${GODWIT_TEST_DB_DIR}/env;GODWIT_BINARY=${CMAKE_BINARY_DIR}/src/cli/godwit")
endfunction()
