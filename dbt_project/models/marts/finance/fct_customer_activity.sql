{#- Customer effort per customer and month: visits and calls (completed CRM activities)
    and service-desk tickets (by month created), with satisfaction ratings. The source
    ids' activity (int_source_activity_monthly) mapped to the conformed customer through
    the bridge and added up, rebuilt whole on every build. -#}
with

source_activity as (

    select * from {{ ref('int_source_activity_monthly') }}

),

customer_keys as (

    select * from {{ ref('int_customer_source_keys') }}

),

mapped as (

    select
        {{ mapped_customer_key('customer_keys') }}  as customer_key,
        source_activity.period_month,
        sum(source_activity.visit_count)            as visit_count,
        sum(source_activity.visit_minutes)          as visit_minutes,
        sum(source_activity.call_count)             as call_count,
        sum(source_activity.call_minutes)           as call_minutes,
        sum(source_activity.ticket_count)           as ticket_count,
        sum(source_activity.ticket_minutes)         as ticket_minutes,
        sum(source_activity.tickets_rated)          as tickets_rated,
        sum(source_activity.tickets_good)           as tickets_good
    from source_activity
    left join customer_keys
        on source_activity.system = customer_keys.system
        and source_activity.source_id = customer_keys.source_id
    group by 1, 2

),

final as (

    select
        cast(customer_key as varchar)   as customer_key,
        cast(period_month as date)      as period_month,
        cast(visit_count as bigint)     as visit_count,
        cast(visit_minutes as bigint)   as visit_minutes,
        cast(call_count as bigint)      as call_count,
        cast(call_minutes as bigint)    as call_minutes,
        cast(ticket_count as bigint)    as ticket_count,
        cast(ticket_minutes as bigint)  as ticket_minutes,
        cast(tickets_rated as bigint)   as tickets_rated,
        cast(tickets_good as bigint)    as tickets_good
    from mapped

)

select * from final
