"""An order service on ordercore: FastAPI over the engine, SQLAlchemy storage, JWT auth."""
