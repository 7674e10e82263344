"""Airflow's task machinery meets the package here, and only here: every task body (context, params, XComs,
Airflow's exceptions), the glue they share (error translation, XCom keys) and what the DAG files share
(``default_args``, date ``Param``s)."""
