with

source as (

    select * from {{ source('config', 'pool_activities') }}

),

final as (

    select * from source

)

select * from final
