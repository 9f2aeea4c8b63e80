"""Resolution on Spark: Splink's ``SparkAPI`` on a session from :class:`SparkResource`.

Importing this package needs no Spark: only ``spark.backend`` imports PySpark, and only when a
track's ``engine`` is ``spark`` (install the ``spark`` extra and Java 17 for it).
"""
