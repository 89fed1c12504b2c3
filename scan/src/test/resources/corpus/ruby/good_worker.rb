class ImportWorker
  # =begin blocks and comments like pg_advisory_lock(1) are not code
  def perform(feed_id)
    conn = ActiveRecord::Base.connection
    conn.execute("SET lock_timeout = '5s'")
    conn.execute("SELECT pg_advisory_lock(#{feed_id})")
    begin
      import_rows(feed_id)
    ensure
      released = conn.select_value("SELECT pg_advisory_unlock(#{feed_id})")
      raise "lock #{feed_id} was not held" unless released
    end
  end

  def sweep
    ActiveRecord::Base.transaction do
      ActiveRecord::Base.connection.execute(%q{SELECT pg_try_advisory_xact_lock(7)})
    end
  end
end
