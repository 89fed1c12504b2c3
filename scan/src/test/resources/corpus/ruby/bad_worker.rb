class ImportWorker
  def perform(feed_id)
    conn = ActiveRecord::Base.connection
    conn.execute("SELECT pg_advisory_lock(#{feed_id})") # expect: LW101, LW104
    import_rows(feed_id)
    conn.execute("SELECT pg_advisory_unlock(#{feed_id})")
  end

  def sweep
    ActiveRecord::Base.transaction do
      ActiveRecord::Base.connection.execute("SET LOCAL lock_timeout = '3s'")
      ActiveRecord::Base.connection.execute(<<~SQL) # expect: LW101, LW102
        SELECT pg_try_advisory_lock(7)
      SQL
    end
  end
end
