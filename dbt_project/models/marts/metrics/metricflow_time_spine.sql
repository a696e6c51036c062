{#- One row per day (MetricFlow's time spine), from 2000 to 2040. -#}
with

days as (

    select cast(range as date) as date_day
    from range(date '2000-01-01', date '2041-01-01', interval 1 day)

),

final as (

    select * from days

)

select * from final
