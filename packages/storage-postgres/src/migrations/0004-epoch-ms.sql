-- 0004-epoch-ms: epoch_ms(timestamptz), the exact epoch milliseconds of an instant as double precision, for the
-- statements that return hundreds of instants per call (claims).
-- :"schema" is replaced by the quoted schema name. Forward-only: never edit once released; add 0005-... instead.

-- extract(epoch ...) returns numeric, and numeric to double precision goes through text: about 0.5 us per value, a
-- tenth of a 500-job claim. date_part returns double precision directly; its rounding error stays far below half a
-- millisecond up to year 10000, so rounding gives the exact millisecond there (stored instants are whole ms), and the
-- exact numeric path takes the rest. A one-expression SQL function without STRICT is inlined into its caller, so it
-- costs no function call; STABLE because date_part and extract on timestamptz are.
CREATE FUNCTION :"schema".epoch_ms(instant timestamptz) RETURNS double precision
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  SELECT CASE
    WHEN instant < timestamptz '10000-01-01 00:00:00+00' THEN round(date_part('epoch', instant) * 1000)
    ELSE (extract(epoch FROM instant) * 1000)::double precision
  END
$$;
