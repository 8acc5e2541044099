-- One Stripe budget for the deployment (issue 18, docs/decisions/149-one-stripe-budget.md): the
-- requests every instance sends to Stripe, counted in 25 ms slots of the database's clock, per
-- budget ('global', and each Stripe endpoint such as 'GET /v1/issuing/cards/:id'). A call takes
-- the earliest slot from now on at which neither budget's sliding window would exceed its limit,
-- and waits until that slot before it is sent. UNLOGGED: counts of the last second are worth
-- nothing after a crash, and are not worth a WAL write per Stripe call.
CREATE UNLOGGED TABLE stripe_pacing_slots (
  bucket text NOT NULL,
  slot bigint NOT NULL,
  taken integer NOT NULL,
  PRIMARY KEY (bucket, slot)
);
CREATE INDEX stripe_pacing_slots_slot ON stripe_pacing_slots (slot);

-- Takes one send for `p_endpoint` (and the global budget) and returns when its slot starts
-- (milliseconds since the epoch, the database's clock: now or later), or NULL when no slot
-- within `p_horizon_slots` has room (the caller asks again later). A window of `p_window_slots` slots holds at most the limit; a limit of NULL
-- is not checked. One statement: the advisory lock (released at its end) makes the read of the
-- windows and the reservation one step across connections and instances.
CREATE FUNCTION stripe_pacing_take(
  p_endpoint text,
  p_global_limit integer,
  p_endpoint_limit integer,
  p_slot_ms integer,
  p_window_slots integer,
  p_horizon_slots integer
) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  now_ms bigint := floor(extract(epoch FROM clock_timestamp()) * 1000);
  cur bigint := now_ms / p_slot_ms;
  -- Counts of the slots from lo (array index 1) to lo + n - 1: the windows of every slot from now
  -- to the horizon, and the slots after a candidate whose windows it would join. Indexes are
  -- relative to lo (slot numbers are bigints; a FOR loop's variable is an integer).
  lo bigint := cur - p_window_slots + 1;
  n integer := 2 * p_window_slots + p_horizon_slots;
  now_i integer := p_window_slots;
  g integer[] := array_fill(0, ARRAY[n]);
  e integer[] := array_fill(0, ARRAY[n]);
  r record;
  g_sum integer := 0;
  e_sum integer := 0;
  i integer;
  k integer := p_window_slots;
BEGIN
  PERFORM pg_advisory_xact_lock(724311149);
  DELETE FROM stripe_pacing_slots WHERE slot < lo;
  FOR r IN SELECT bucket, (slot - lo + 1)::integer AS at, taken FROM stripe_pacing_slots
           WHERE bucket IN ('global', p_endpoint) AND slot BETWEEN lo AND lo + n - 1 LOOP
    IF r.bucket = 'global' THEN g[r.at] := r.taken; ELSE e[r.at] := r.taken; END IF;
  END LOOP;
  -- The windows ending before now, then slide: the window of slot i is slots i-W+1..i. Slot k
  -- can take one more when every window that contains it (those of k..k+W-1) is under its
  -- limit; a full window at i rules out every k up to i, so the scan only moves forward.
  FOR i IN 1 .. now_i - 1 LOOP
    g_sum := g_sum + g[i];
    e_sum := e_sum + e[i];
  END LOOP;
  i := now_i;
  LOOP
    IF i >= k + p_window_slots THEN EXIT; END IF;
    IF i > n THEN RETURN NULL; END IF;
    g_sum := g_sum + g[i];
    e_sum := e_sum + e[i];
    IF (p_global_limit IS NOT NULL AND g_sum >= p_global_limit) OR (p_endpoint_limit IS NOT NULL AND e_sum >= p_endpoint_limit) THEN
      k := i + 1;
      IF k > now_i + p_horizon_slots THEN RETURN NULL; END IF;
    END IF;
    g_sum := g_sum - g[i - p_window_slots + 1];
    e_sum := e_sum - e[i - p_window_slots + 1];
    i := i + 1;
  END LOOP;
  INSERT INTO stripe_pacing_slots AS s (bucket, slot, taken) VALUES ('global', lo + k - 1, 1), (p_endpoint, lo + k - 1, 1)
    ON CONFLICT (bucket, slot) DO UPDATE SET taken = s.taken + 1;
  RETURN (lo + k - 1) * p_slot_ms;
END
$$;
