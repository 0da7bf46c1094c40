package io.fieldsync.store.postgres.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives each test class its own fresh database on the JVM's test PostgreSQL ({@link TestPostgres}):
 * declare {@code @ExtendWith(PostgresDatabaseExtension.class)} and take a {@link TestDatabase}
 * parameter in a {@code @BeforeAll}, {@code @BeforeEach} or test method. The database is dropped
 * after the class. When PostgreSQL cannot start, the class fails with the reason.
 */
public final class PostgresDatabaseExtension
    implements BeforeAllCallback, AfterAllCallback, ParameterResolver {

  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(PostgresDatabaseExtension.class);

  @Override
  public void beforeAll(ExtensionContext context) {
    database(context);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    TestDatabase database = context.getStore(NAMESPACE).remove("database", TestDatabase.class);
    if (database != null) {
      TestPostgres.dropDatabase(database);
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == TestDatabase.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return database(context);
  }

  private static TestDatabase database(ExtensionContext context) {
    ExtensionContext classContext = context;
    while (classContext.getTestMethod().isPresent()
        || classContext.getParent().filter(p -> p.getTestClass().isPresent()).isPresent()) {
      classContext = classContext.getParent().orElseThrow();
    }
    Class<?> testClass = classContext.getRequiredTestClass();
    return classContext
        .getStore(NAMESPACE)
        .getOrComputeIfAbsent(
            "database",
            key -> TestPostgres.newDatabase(testClass.getSimpleName()),
            TestDatabase.class);
  }
}
