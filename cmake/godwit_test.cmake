# godwit_unit_test(NAME SOURCES... LIBS libs...)
# Registers a GoogleTest binary with CTest. Unit tests need no server.
function(godwit_unit_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} GTest::gtest_main)
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS unit TIMEOUT 120)
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
    LABELS db TIMEOUT 900 FIXTURES_REQUIRED databases
    ENVIRONMENT "GODWIT_TEST_ENV=${GODWIT_TEST_DB_DIR}/env;GODWIT_BINARY=${CMAKE_BINARY_DIR}/src/cli/godwit")
endfunction()
